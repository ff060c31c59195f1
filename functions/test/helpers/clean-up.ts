// Runs in every emulator test file (vitest `setupFiles`): what the file seeded goes when it ends.
import { afterAll } from "vitest";
import { deleteSeededDevices } from "./notifications";

afterAll(deleteSeededDevices, 120_000);
