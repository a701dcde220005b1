// Errors users are meant to read. The CLI prints `message` without a stack trace and exits with
// `exitCode`; the server maps them to 4xx responses.
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/** Input data is malformed (corrupt archive, wrong columns, bad UTF-8, ...). */
export class DataError extends UserError {
  constructor(message: string) {
    super(message, 3);
    this.name = "DataError";
  }
}

/** A model file is missing, corrupt, foreign or of an unsupported version. */
export class ModelFileError extends UserError {
  constructor(message: string) {
    super(message, 4);
    this.name = "ModelFileError";
  }
}
