/** A request the sandbox refuses, with the Fault QBO would send (HTTP 400, ValidationFault). */
export class QueryFault extends Error {
  constructor(
    /** Queries: "4000" (parse error) or "4001" (validation error); writes use QBO's other codes (writes/faults.ts). */
    readonly code: string,
    readonly faultMessage: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export function parseFault(detail: string): QueryFault {
  return new QueryFault('4000', 'Error parsing query', `QueryParserError: ${detail}`);
}

export function validationFault(detail: string): QueryFault {
  return new QueryFault('4001', 'Invalid query', `QueryValidationError: ${detail}`);
}
