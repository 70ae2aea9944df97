/** The resolved pipeline model (filled in as the parser grows). */
export interface PipelineSpec {
  name: string;
}
