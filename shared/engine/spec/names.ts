/** PaddleFlow's naming rules (reference/paddleflow.md §3.1, §3.4). */
import { SpecError } from './errors.ts';

const PIPELINE_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
const COMPONENT_NAME = /^[a-zA-Z][a-zA-Z0-9-]{0,29}$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,49}$/;

export function checkPipelineName(name: string) {
  if (!PIPELINE_NAME.test(name)) {
    throw new SpecError(
      `pipeline name [${name}] is invalid: it must match ${PIPELINE_NAME.source} (a letter or _ first, then letters, digits, _ or -, at most 128 characters)`,
    );
  }
}

export function checkComponentName(name: string, path: string) {
  if (!COMPONENT_NAME.test(name) || name.startsWith('PF_')) {
    throw new SpecError(
      `component name [${path}] is invalid: each name must match ${COMPONENT_NAME.source} (a letter first, then letters, digits or -, at most 30 characters)`,
    );
  }
}

export function checkVariableName(kind: string, name: string, where: string) {
  if (!VARIABLE_NAME.test(name)) {
    throw new SpecError(
      `${kind} name [${name}] of ${where} is invalid: it must match ${VARIABLE_NAME.source} (a letter or _ first, then letters, digits or _, at most 50 characters)`,
    );
  }
}
