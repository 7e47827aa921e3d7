// An error the simulated API answers with: an HTTP status and a message. Operations throw it; the HTTP layer
// turns it into the v2 (`errors[]`) or v1 (`statusCode`/`message`) error body.

export class SimError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'SimError';
    this.status = status;
  }
}

export const notFound = (what: string): SimError => new SimError(404, `${what} not found`);
export const badRequest = (message: string): SimError => new SimError(400, message);
