import { config } from 'zod';

// Zod probes whether it may compile parsers with `new Function`. The page's
// Content-Security-Policy forbids eval, and the browser reports the probe as a violation
// even though Zod catches the error; jitless skips the probe (and the compiling).
// Runs before any client component, so before the first parse.
config({ jitless: true });
