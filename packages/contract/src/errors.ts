import { z } from 'zod';

/** The one error shape of every non-2xx answer of the API (health has its own contract). */
export const ApiError = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ApiError = z.infer<typeof ApiError>;

export const HealthOk = z.object({ status: z.literal('healthy'), timestamp: z.string() });
export const HealthFail = z.object({ status: z.literal('unhealthy'), error: z.string() });
