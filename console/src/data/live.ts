// Live Firestore reads as Preact state: every page shows what is stored now, and a listener error
// (a refused read, a lost connection) becomes state the page shows instead of a silent blank.
import { type DocumentReference, type FirestoreError, onSnapshot, type Query, type QueryDocumentSnapshot } from "firebase/firestore";
import { useEffect, useState } from "preact/hooks";

export type Live<T> = { status: "loading" } | { status: "ready"; value: T } | { status: "error"; error: FirestoreError };

/** The document's data, null when it does not exist. `ref` must be memoised by the caller, and a
 * page showing another document remounts (`key`), so no stale document is ever shown. */
export function useLiveDocument<T>(ref: DocumentReference<T>): Live<T | null> {
  const [state, setState] = useState<Live<T | null>>({ status: "loading" });
  useEffect(
    () =>
      onSnapshot(
        ref,
        (snapshot) => setState({ status: "ready", value: snapshot.data() ?? null }),
        (error) => setState({ status: "error", error }),
      ),
    [ref],
  );
  return state;
}

/** The query's documents. `query` must be memoised by the caller. When it changes, the previous
 * result stays on screen until the new query answers (paging, "show more"). */
export function useLiveQuery<T>(query: Query<T>): Live<QueryDocumentSnapshot<T>[]> {
  const [state, setState] = useState<Live<QueryDocumentSnapshot<T>[]>>({ status: "loading" });
  useEffect(
    () =>
      onSnapshot(
        query,
        (snapshot) => setState({ status: "ready", value: snapshot.docs }),
        (error) => setState({ status: "error", error }),
      ),
    [query],
  );
  return state;
}
