import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { Result, RpcError } from '@perpscope/shared';
import type { Logger } from '@perpscope/sdk';
import type { z } from 'zod';
import { fieldIssues, invalidParams, toRpcError } from '../host/rpcErrors.js';
import { advertisedInput } from './advertisedInput.js';
import { toolFailure, toolSuccess } from './toolResult.js';

/** What a tool found: a few lines for the model, and the facts as JSON. */
export interface ToolAnswer<T> {
  summary: string;
  value: T;
}

/** One MCP tool over the host. */
export interface McpToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  /** The arguments; built from the RPC method's own schema so the rules are the host's. */
  input: I;
  /** One line per argument, shown to the model. */
  fields: { readonly [K in keyof I['shape']]: string };
  output: O;
  /** Reads only (no order, no setting changed). */
  readOnly: boolean;
  run(args: z.output<I>): Promise<Result<ToolAnswer<z.output<O>>>>;
}

/** A tool ready to register: schemas as the SDK takes them, and a call that never throws. */
export interface McpTool {
  name: string;
  title: string;
  description: string;
  inputSchema: z.ZodObject;
  outputSchema: z.ZodObject;
  annotations: ToolAnnotations;
  /** Logs the call's outcome (tool and error code, never the arguments). */
  call(args: unknown, logger: Logger): Promise<CallToolResult>;
}

/**
 * Turns a spec into a registrable tool. Arguments are checked against `input` first, so a field
 * the tool does not take is refused by name instead of reaching the host; the host validates again
 * with the method's schema. Any failure, thrown or returned, becomes an `isError` result.
 */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(spec: McpToolSpec<I, O>): McpTool {
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    inputSchema: advertisedInput(spec.input, spec.fields),
    outputSchema: spec.output,
    // An order tool is marked destructive so clients that confirm such calls ask the trader first.
    annotations: { title: spec.title, readOnlyHint: spec.readOnly, destructiveHint: !spec.readOnly, idempotentHint: spec.readOnly, openWorldHint: false },
    async call(args, logger) {
      const fail = (error: RpcError): CallToolResult => {
        logger.warn({ tool: spec.name, code: error.code }, 'mcp tool failed');
        return toolFailure(error);
      };
      const parsed = spec.input.safeParse(args ?? {}, { reportInput: true });
      if (!parsed.success) return fail(invalidParams(spec.name, fieldIssues(parsed.error.issues)));
      try {
        const answer = await spec.run(parsed.data);
        if (!answer.ok) return fail(answer.error);
        logger.info({ tool: spec.name }, 'mcp tool call');
        return toolSuccess(answer.value.summary, answer.value.value as Record<string, unknown>);
      } catch (e) {
        return fail(toRpcError(e));
      }
    },
  };
}
