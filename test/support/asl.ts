/** Reading ASL definitions in tests. */
type State = Record<string, unknown> & { Type: string };
interface Machine {
  States: Record<string, State>;
}

/** Every state of a definition by name, those of its Maps' iterations and Parallels' branches included. */
export function allStates(definition: unknown): Record<string, State> {
  const states: Record<string, State> = {};
  const visit = (machine: Machine) => {
    for (const [name, state] of Object.entries(machine.States)) {
      states[name] = state;
      const nested = [state.ItemProcessor, state.Iterator, ...((state.Branches as unknown[]) ?? [])];
      for (const inner of nested) if (inner) visit(inner as Machine);
    }
  };
  visit(definition as Machine);
  return states;
}

/** The names of the Task states of a definition, nested ones included, sorted. */
export const taskStatesOf = (definition: unknown) =>
  Object.entries(allStates(definition))
    .filter(([, state]) => state.Type === 'Task')
    .map(([name]) => name)
    .sort();
