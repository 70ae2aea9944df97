/** A pipeline document PaddleFlow would refuse; the message is what the user reads in 400 InvalidPipeline. */
export class SpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecError';
  }
}
