// The lflow engine's public face: compile an SbDatabase (compileSb, or compileSteps to run it in slices),
// keep it current (CompiledSb.apply), and trace on it (LflowEngine). See engine.ts for the engine,
// compile.ts for the compiled SB.

export {
  type CDatapath,
  type CompiledSb,
  type CompileSbOptions,
  compileSb,
  compileSteps,
  type FlowProblem,
} from './compile.ts';
export { type CtMode, createLflowEngine, LflowEngine, type LflowEngineOptions } from './engine.ts';
