import { complexityOf, isComplexity, type Complexity } from './complexity';
import { assertArguments } from './schema';

export { ActionArgumentsError } from './schema';
export { builtInActions, type BuiltInActionDeps } from './actions/built-in';

export interface ActionContext {
  tenantSlug: string;
  agentId: string;
  executionId: string;
  /** Exams and dry runs: an action with an outside effect must not cause it, only say what it would do. */
  simulate: boolean;
  signal?: AbortSignal;
}

export interface ActionDefinition<A = Record<string, unknown>> {
  /** What the model calls it: lowercase letters, digits and `_`, leading with a verb (see complexity.ts). */
  name: string;
  description: string;
  /** JSON Schema (type object, within the subset of schema.ts), shown to the model as the tool's parameters. */
  parameters: Record<string, unknown>;
  /**
   * A fixed complexity, or one that depends on the arguments (http_request: GET 1, others 3). The
   * function sees the arguments before validation, so it must cope with anything and, when in doubt,
   * answer the higher value.
   */
  complexity: Complexity | ((args: A) => Complexity);
  /** Receives arguments already checked against `parameters`; a failure is an Error the model may read. */
  run(args: A, ctx: ActionContext): Promise<unknown>;
}

/** Any action definition, whatever its argument type (for lists of mixed actions). */
// `never` because an action's complexity function takes its own argument type: contravariance.
export type AnyActionDefinition = ActionDefinition<never>;

export interface ActionToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

const ACTION_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * The actions agents may take. Adding one is a local change: a file with its definition under
 * `actions/`, one line in `builtInActions` (or a `register` call from the module that owns it).
 * Every registered action's `run` validates its arguments first, so a bad argument from a model is a
 * clear ActionArgumentsError, whichever way the action is called.
 */
export class ActionRegistry {
  private readonly actions = new Map<string, ActionDefinition>();

  constructor(definitions: Iterable<AnyActionDefinition> = []) {
    for (const definition of definitions) this.register(definition);
  }

  register<A>(definition: ActionDefinition<A>): this {
    const { name } = definition;
    if (!ACTION_NAME.test(name)) throw new Error(`Action name '${name}' must match ${ACTION_NAME}`);
    if (this.actions.has(name)) throw new Error(`Action '${name}' is already registered`);
    if (definition.parameters.type !== 'object') throw new Error(`Action '${name}': parameters must be a JSON Schema of type object`);
    if (typeof definition.complexity !== 'function' && !isComplexity(definition.complexity)) {
      throw new Error(`Action '${name}': complexity must be 1, 2, 3 or 4`);
    }
    // Copied member by member (not spread), so an action written as a class keeps its prototype methods and `this`.
    const original = definition as unknown as ActionDefinition;
    const { description, parameters, complexity } = original;
    this.actions.set(
      name,
      Object.freeze({
        name,
        description,
        parameters,
        complexity: typeof complexity === 'function' ? (args: Record<string, unknown>) => complexity.call(definition, args) : complexity,
        run: async (args: Record<string, unknown>, ctx: ActionContext) => {
          assertArguments(name, parameters, args);
          return original.run.call(definition, args, ctx);
        },
      }),
    );
    return this;
  }

  has(name: string): boolean {
    return this.actions.has(name);
  }

  get(name: string): ActionDefinition | undefined {
    return this.actions.get(name);
  }

  list(): ActionDefinition[] {
    return [...this.actions.values()];
  }

  /** The tool list for a model, in the order asked; an unknown name is a programming error. */
  toolSpecs(names: string[]): ActionToolSpec[] {
    return [...new Set(names)].map((name) => {
      const action = this.actions.get(name);
      if (!action) throw new Error(`Unknown action '${name}'`);
      return { name: action.name, description: action.description, parameters: action.parameters };
    });
  }

  /**
   * The complexity governance judges this call by: the action's registered value (or its function of
   * the arguments), else complexityOf's verb rule for a name nobody registered. A function that throws
   * or answers nonsense makes the call critical (4): governance fails closed.
   */
  complexity(name: string, args: Record<string, unknown> = {}): Complexity {
    const action = this.actions.get(name);
    if (!action) return complexityOf(name);
    if (typeof action.complexity !== 'function') return action.complexity;
    try {
      const value = action.complexity(args ?? {});
      return isComplexity(value) ? value : 4;
    } catch {
      return 4;
    }
  }

  /** Runs a registered action (arguments validated first). */
  async run(name: string, args: unknown, ctx: ActionContext): Promise<unknown> {
    const action = this.actions.get(name);
    if (!action) throw new Error(`Unknown action '${name}'`);
    return action.run(args as Record<string, unknown>, ctx);
  }
}
