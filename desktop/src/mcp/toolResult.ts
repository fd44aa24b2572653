import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { RpcError } from '@perpscope/shared';

/** A tool's answer: a short summary for the model to read, and the same facts as JSON. */
export function toolSuccess(summary: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: summary }], structuredContent: structured };
}

/**
 * A tool error (`isError`), which the client shows to the model instead of failing the call. The
 * text starts with the RPC error code, so a model can tell bad input (INVALID_INPUT) from a
 * refusal (PERMISSION_DENIED, RISK_REJECTED) or an outage. No `structuredContent`: clients check
 * it against the tool's output schema, which describes success.
 */
export function toolFailure(error: RpcError): CallToolResult {
  const details = error.details && Object.keys(error.details).length > 0 ? `\ndetails: ${JSON.stringify(error.details)}` : '';
  return { content: [{ type: 'text', text: `${error.code}: ${error.message}${details}` }], isError: true };
}
