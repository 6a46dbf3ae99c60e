"""Drives python-quickbooks + intuit-oauth, unchanged, against the sandbox; prints what the library returned as JSON.

Reads its settings as JSON on stdin: discovery (the sandbox's discovery document URL), api (".../v3"), clientId,
clientSecret, refreshToken, realmId, pageSize, and the command: "read" pages every entity with .all(), "create"
saves a new invoice and reads it back by id, "delete" deletes the invoice invoiceId. Only the hosts differ from a production setup: the AuthClient's
environment is the sandbox's discovery URL and QuickBooks.api_url_v3 its API base.
"""
import json
import sys

from intuitlib.client import AuthClient
from quickbooks import QuickBooks
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item

ENTITIES = {"Customer": Customer, "Item": Item, "Invoice": Invoice}


def connect(cfg):
    QuickBooks.api_url_v3 = cfg["api"]
    auth = AuthClient(client_id=cfg["clientId"], client_secret=cfg["clientSecret"],
                      redirect_uri="http://localhost/callback", environment=cfg["discovery"])
    qb = QuickBooks(auth_client=auth, refresh_token=cfg["refreshToken"], company_id=cfg["realmId"], minorversion=75)
    return qb, auth


def as_json(obj):
    return json.loads(obj.to_json())


def page_all(cls, qb, size):
    """Every record .all() returns, one page of `size` at a time, and the number of calls it took."""
    rows, start, calls = [], 1, 0
    while True:
        page = cls.all(start_position=start, max_results=size, qb=qb)
        calls += 1
        rows.extend(as_json(r) for r in page)
        if len(page) < size:
            return rows, calls
        start += size


def read(cfg):
    qb, auth = connect(cfg)
    out = {"rotatedRefreshToken": auth.refresh_token != cfg["refreshToken"], "entities": {}, "defaults": {}}
    for name, cls in ENTITIES.items():
        rows, calls = page_all(cls, qb, cfg["pageSize"])
        out["entities"][name] = {"rows": rows, "calls": calls}
        out["defaults"][name] = as_json(cls())
        if name != "Invoice":
            inactive = cls.where("Active = false", max_results=1000, qb=qb)
            out["entities"][name]["inactive"] = [as_json(r) for r in inactive]
    out["itemCount"] = Item.count(qb=qb)
    return out


def create(cfg):
    qb, _ = connect(cfg)
    customer = Customer.get(cfg["customerId"], qb=qb)
    item = Item.get(cfg["itemId"], qb=qb)
    line = SalesItemLine()
    line.Amount = 42.5
    line.Description = cfg["description"]
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = item.to_ref()
    line.SalesItemLineDetail.Qty = 5
    line.SalesItemLineDetail.UnitPrice = 8.5
    invoice = Invoice()
    invoice.CustomerRef = customer.to_ref()
    invoice.Line.append(line)
    saved = invoice.save(qb=qb)
    fetched = Invoice.get(saved.Id, qb=qb)
    return {"created": as_json(saved), "fetched": as_json(fetched), "defaults": as_json(Invoice())}


def delete(cfg):
    qb, _ = connect(cfg)
    invoice = Invoice.get(cfg["invoiceId"], qb=qb)
    return {"deleted": invoice.delete(qb=qb)}


def main():
    cfg = json.load(sys.stdin)
    result = {"read": read, "create": create, "delete": delete}[cfg["command"]](cfg)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
