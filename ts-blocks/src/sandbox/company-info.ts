/**
 * The company's CompanyInfo record (`GET /v3/company/{realm}/companyinfo/{realm}`), which clients read to check a
 * connection before anything else (tap-quickbooks' discover does). Fixed values, shaped like QBO's.
 */
import type { Payload } from './generator/company';
import { metaData } from './generator/common';

export function companyInfoPayload(realmId: string, historyStartMs: number, zone: string): Payload {
  const created = Math.floor(historyStartMs / 1000);
  const addr = { Id: '1', Line1: '123 Sierra Way', City: 'San Pablo', CountrySubDivisionCode: 'CA', PostalCode: '87999' };
  return {
    Id: '1',
    SyncToken: '0',
    CompanyName: `Sandbox Company ${realmId}`,
    LegalName: `Sandbox Company ${realmId}`,
    CompanyAddr: addr,
    CustomerCommunicationAddr: addr,
    LegalAddr: addr,
    PrimaryPhone: {},
    CompanyStartDate: new Date(historyStartMs).toISOString().slice(0, 10),
    FiscalYearStartMonth: 'January',
    Country: 'US',
    Email: { Address: 'noreply@example.com' },
    WebAddr: {},
    SupportedLanguages: 'en',
    NameValue: [{ Name: 'OfferingSku', Value: 'QuickBooks Online Plus' }],
    domain: 'QBO',
    sparse: false,
    MetaData: metaData(created, created, zone),
  };
}
