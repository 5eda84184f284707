#!/usr/bin/env node
/** dr-failover: the command-line entry (the program lives in cli/). */
import { main } from "./cli/main.js";

await main(process.argv);
