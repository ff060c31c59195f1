// Typed access to the documents the console reads and writes. The shapes are the backend's own
// (functions/src/types.ts), with the web SDK's Timestamp; the backend validates what it writes, so
// the converters only attach the type.
import {
  addDoc,
  collection,
  type DocumentData,
  doc,
  type Firestore,
  type FirestoreDataConverter,
  type QueryDocumentSnapshot,
  type Timestamp,
  updateDoc,
} from "firebase/firestore";
import type {
  DeliveryDocument as DeliveryShape,
  DeviceDocument as DeviceShape,
  InboxEntry as InboxShape,
  NotificationRequest,
  NotificationDocument as NotificationShape,
  PreferencesDocument as PreferencesShape,
} from "../../../functions/src/types";

export type NotificationDocument = NotificationShape<Timestamp>;
export type DeliveryDocument = DeliveryShape<Timestamp>;
export type DeviceDocument = DeviceShape<Timestamp>;
export type InboxEntry = InboxShape<Timestamp>;
export type PreferencesDocument = PreferencesShape<Timestamp>;
export type { NotificationRequest };

function typed<T extends DocumentData>(): FirestoreDataConverter<T, DocumentData> {
  return {
    toFirestore: (value) => value,
    fromFirestore: (snapshot: QueryDocumentSnapshot) => snapshot.data() as T,
  };
}

export const notificationsOf = (db: Firestore) => collection(db, "notifications").withConverter(typed<NotificationDocument>());

export const notificationOf = (db: Firestore, id: string) => doc(notificationsOf(db), id);

export const deliveriesOf = (db: Firestore, notificationId: string) =>
  collection(db, "notifications", notificationId, "deliveries").withConverter(typed<DeliveryDocument>());

/** `notificationPreferences/{uid}`: a user's choices (admins read it; only the backend writes it). */
export const preferencesOf = (db: Firestore, uid: string) => doc(db, "notificationPreferences", uid).withConverter(typed<PreferencesDocument>());

export const devicesOf = (db: Firestore, uid: string) => collection(db, "users", uid, "devices").withConverter(typed<DeviceDocument>());

export const inboxOf = (db: Firestore, uid: string) => collection(db, "users", uid, "inbox").withConverter(typed<InboxEntry>());

/** Writes a new notification (the backend's trigger takes it from there); returns its id. */
export async function createNotification(db: Firestore, request: NotificationRequest): Promise<string> {
  const ref = await addDoc(collection(db, "notifications"), request);
  return ref.id;
}

/** The one change the rules let an admin make, while the notification is not finished. */
export async function cancelNotification(db: Firestore, id: string): Promise<void> {
  await updateDoc(doc(db, "notifications", id), { cancelled: true });
}
