// `node --import <this file> bin/xaudit.js ...` runs the CLI with the tfjs-node stand-in.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
