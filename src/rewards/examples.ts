/**
 * Finds the task record behind a prompt string, so that a trainer that only passes (prompt,
 * response) still gets the reference answer, the query type and the checkable spec.
 */
import { ALPACA_TEMPLATE, formatPrompt, PROMPT_TEMPLATES, type PromptTemplate } from '../lm/tasks/template.js';
import type { TaskExample } from '../lm/tasks/types.js';
import { extractRawQuery } from './text.js';
import type { TextRewardContext } from './types.js';

export class ExampleIndex {
  private readonly byQuery = new Map<string, TaskExample>();

  constructor(
    examples: Iterable<TaskExample> = [],
    readonly template: PromptTemplate = ALPACA_TEMPLATE,
  ) {
    for (const e of examples) this.add(e);
  }

  /** Keys by the raw query, so a prompt written with the index's template is found whatever its spacing. */
  add(example: TaskExample): void {
    this.byQuery.set(extractRawQuery(formatPrompt(example, this.template), this.template), example);
  }

  get size(): number {
    return this.byQuery.size;
  }

  /**
   * The record of a prompt. The raw query does not depend on the template, so a prompt written with
   * another known template is found too (tried after the index's own).
   */
  find(prompt: string): TaskExample | undefined {
    const own = this.byQuery.get(extractRawQuery(prompt, this.template));
    if (own !== undefined || this.byQuery.size === 0) return own;
    for (const t of Object.values(PROMPT_TEMPLATES)) {
      if (t === this.template) continue;
      const e = this.byQuery.get(extractRawQuery(prompt, t));
      if (e !== undefined) return e;
    }
    return undefined;
  }

  /** The context with its example filled in from the index when the caller gave none. */
  resolve(prompt: string, ctx: TextRewardContext | undefined): TextRewardContext | undefined {
    if (ctx?.example) return ctx;
    const example = this.find(prompt);
    return example ? { ...ctx, example } : ctx;
  }
}
