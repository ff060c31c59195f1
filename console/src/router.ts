// Hash routes (#/notifications/abc): they work on any static host and on the Hosting emulator
// without rewrites, and a reload keeps the page.
import { useEffect, useState } from "preact/hooks";

export type Route = { page: "notifications" } | { page: "notification"; id: string } | { page: "compose" } | { page: "users"; uid: string | null };

export function parseRoute(hash: string): Route {
  let parts: string[];
  try {
    parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return { page: "notifications" }; // a malformed %-escape
  }
  const [page, id] = parts;
  if (page === "compose") return { page: "compose" };
  if (page === "users") return { page: "users", uid: id ?? null };
  if (page === "notifications" && id) return { page: "notification", id };
  return { page: "notifications" };
}

export function href(route: Route): string {
  switch (route.page) {
    case "notifications":
      return "#/notifications";
    case "notification":
      return `#/notifications/${encodeURIComponent(route.id)}`;
    case "compose":
      return "#/compose";
    case "users":
      return route.uid ? `#/users/${encodeURIComponent(route.uid)}` : "#/users";
  }
}

export function navigate(route: Route): void {
  location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    // A new route only when the hash names another page, so that reading it again renders nothing.
    const update = () => setRoute((current) => (href(current) === href(parseRoute(location.hash)) ? current : parseRoute(location.hash)));
    addEventListener("hashchange", update);
    // The effect runs after the first paint: a hash changed in between (a click, a test) fired no
    // event this listener heard, so the route is read once more now.
    update();
    return () => removeEventListener("hashchange", update);
  }, []);
  return route;
}
