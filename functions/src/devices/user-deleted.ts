// Adapter from the Auth "user deleted" event to the registry: the user's devices, their owner
// records, the user's device index, their preferences and their inbox go; notifications are kept.
import type { UserRecord } from "firebase-functions/v1/auth";
import { deleteUserInbox } from "../inbox/delete.js";
import { deleteRecipientData } from "../recipients/store.js";
import { logEvent } from "../shared/events.js";
import { db } from "../shared/firebase.js";
import { deleteUserDevices } from "./registry.js";

export async function onUserDeleted(user: UserRecord): Promise<void> {
  const deleted = await deleteUserDevices(db(), user.uid);
  await deleteUserInbox(db(), user.uid);
  await deleteRecipientData(db(), user.uid);
  logEvent("devices.userDeleted", { uid: user.uid, deleted });
}
