// The one place that names the generated bindings' types, so the rest of the
// pane does not depend on where wasm-bindgen writes its output.
export type {
  ColumnProfile,
  ColumnType,
  EngineOptions,
  FileProfile,
  NumericSummary,
  OfficeRange,
  TableProfile,
  ValueCount,
} from './pkg/engine_wasm.js';
