// Types of guard.mjs, which stays plain JavaScript so the standalone output runs it unbuilt.
import type { IncomingHttpHeaders, RequestListener, Server } from 'node:http';

export const MAX_HEADER_BYTES: number;
export const MAX_URL_BYTES: number;
export const TRUSTED_PROXY_HOPS_ENV: 'FRONTEND_TRUSTED_PROXY_HOPS';
export const ALLOWED_METHODS: string[];

export type Refusal = { status: number; headers?: Record<string, string>; code: string; message: string };

export function parseTrustedHops(raw: string | undefined): number;
export function forwardedHeaders(input: {
  headers: IncomingHttpHeaders;
  remoteAddress: string | undefined;
  encrypted: boolean;
  trustedHops: number;
}): { 'x-forwarded-for'?: string; 'x-forwarded-proto': string; 'x-forwarded-host'?: string };
export function refusal(req: { method?: string; url?: string }): Refusal | null;
export function rawResponse(r: Refusal, reason: string): string;
export function clientErrorAnswer(err: NodeJS.ErrnoException & { rawPacket?: Buffer }): { refusal: Refusal; reason: string } | null;
export function guardListener(listener: RequestListener, options: { trustedHops: number }): RequestListener;
export function answerClientErrors(server: Server): void;
