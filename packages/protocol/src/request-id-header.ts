/**
 * `x-request-id`: the id mcpd gives every request and answers with, as OpenAI's API does (its
 * SDKs show it as the answer's `_request_id`). An inference's audit record keeps it, so
 * `GET /api/v1/audit?requestId=ID` finds the record of a call a user reports.
 */
export const REQUEST_ID_HEADER = 'x-request-id';
