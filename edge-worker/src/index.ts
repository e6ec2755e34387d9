/** Worker entry point: wrangler's `main`. */
import { createApp } from './app.ts';

export default createApp();
