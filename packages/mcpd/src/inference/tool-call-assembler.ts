import type { ChatToolCallDelta } from '@mcpctl/protocol';

/** One tool call of an answer, whole, as a `chat.completion` message carries it. */
export interface AssembledToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/**
 * The tool calls of a streamed answer, put together from their deltas: the first delta of a
 * call (by `index`) names its id and function, the next ones add to its arguments. A thread
 * keeps them, so the next turn's history holds the call its tool result answers.
 */
export class ToolCallAssembler {
  readonly #calls = new Map<number, AssembledToolCall>();

  add(deltas: readonly ChatToolCallDelta[] | undefined): void {
    for (const delta of deltas ?? []) {
      const call = this.#calls.get(delta.index) ?? { id: '', type: 'function', function: { name: '', arguments: '' } };
      if (delta.id) call.id = delta.id;
      // OpenAI names the function once; some servers repeat the whole name in every delta.
      const name = delta.function?.name;
      if (name) call.function.name = name.startsWith(call.function.name) ? name : call.function.name + name;
      if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
      this.#calls.set(delta.index, call);
    }
  }

  /** In the order of their index; undefined when the answer called no tool. */
  get calls(): AssembledToolCall[] | undefined {
    if (this.#calls.size === 0) return undefined;
    // A call its server gave no id still needs one to be answered by a tool result.
    return [...this.#calls.entries()].sort(([one], [other]) => one - other).map(([index, call]) => (call.id ? call : { ...call, id: `call_${index}` }));
  }
}
