/**
 * The Faults QBO answers a refused write with (HTTP 400, ValidationFault), by code: 610 object not found,
 * 2010 invalid property, 2020 required parameter missing, 2170 invalid enumeration, 2500 invalid reference, 5010 stale object (SyncToken
 * behind the current version), 6240 duplicate name, 500 unsupported operation. Messages follow Intuit's
 * "Handling common errors" page.
 */
import { QueryFault } from '../query/errors';

export function objectNotFound(detail: string): QueryFault {
  return new QueryFault('610', 'Object Not Found', `Object Not Found : ${detail}`);
}

export function invalidProperty(detail: string): QueryFault {
  return new QueryFault('2010', 'Request has invalid or unsupported property', `Property Name:${detail}`);
}

export function requiredParam(name: string): QueryFault {
  return new QueryFault(
    '2020',
    'Required param missing, need to supply the required value for the API',
    `Required parameter ${name} is missing in the request`,
  );
}

export function invalidReference(detail: string): QueryFault {
  return new QueryFault('2500', 'Invalid Reference Id', `Invalid Reference Id : ${detail}`);
}

export function staleObject(): QueryFault {
  return new QueryFault(
    '5010',
    'Stale Object Error',
    'Stale Object Error : You and admin were working on this at the same time. admin finished before you did, so your work was not saved.',
  );
}

export function duplicateName(what: string): QueryFault {
  return new QueryFault(
    '6240',
    'Duplicate Name Exists Error',
    `The name supplied already exists. : Another ${what} is already using this name. Please use a different name.`,
  );
}

export function unsupportedOperation(detail: string): QueryFault {
  return new QueryFault('500', 'Unsupported Operation', `Operation ${detail} is not supported.`);
}

export function invalidEnumeration(value: string): QueryFault {
  return new QueryFault('2170', 'Invalid Enumeration', `Invalid Enumeration : ${value}`);
}
