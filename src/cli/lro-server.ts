#!/usr/bin/env node
/** The `lro-server` bin: the server (src/main.ts), from the compiled package. */
import '../main.js';
