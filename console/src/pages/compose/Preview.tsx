// How the notification will look on an Android phone, an iPhone and in a desktop browser. An
// approximation of each system's layout (fonts and truncation differ per device), updated as the
// admin types.
import { useEffect, useState } from "preact/hooks";

export interface PreviewContent {
  title: string;
  body: string;
  imageUrl: string;
  link: string;
  androidColor: string;
}

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === "https:";
  } catch {
    return false;
  }
}

/** `value`, once it has stopped changing for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * The image, or a note when this browser cannot load it (the devices may still). The URL is used
 * once typing pauses: every prefix of an https URL is a URL too, and each would be fetched.
 */
function NotificationImage({ url: typed, class: className }: { url: string; class: string }) {
  const url = useSettled(typed, 400);
  const [failed, setFailed] = useState<string | null>(null);
  if (!isHttpsUrl(url)) return null;
  if (failed === url) {
    return (
      <div class={`${className} preview-image-missing`}>
        <span>Image not reachable from this browser</span>
      </div>
    );
  }
  return <img class={className} src={url} alt="The notification's image" onError={() => setFailed(url)} />;
}

function hostOf(link: string): string {
  return isHttpsUrl(link) ? new URL(link).host : "your-site.example";
}

export function Preview({ content, compact = false }: { content: PreviewContent; compact?: boolean }) {
  const title = content.title.trim() || "Notification title";
  const accent = /^#[0-9a-fA-F]{6}$/.test(content.androidColor) ? content.androidColor : undefined;
  return (
    <section class={`preview ${compact ? "preview--compact" : ""}`} aria-label="Preview">
      {!compact && <h2 class="preview__heading">Preview</h2>}
      <figure class="device device--android">
        <figcaption>Android</figcaption>
        <div class="android-card">
          <div class="android-card__head" style={accent ? { color: accent } : undefined}>
            <span class="app-icon app-icon--round" aria-hidden="true" style={accent ? { background: accent } : undefined} />
            <span>Your app · now</span>
          </div>
          <p class="android-card__title">{title}</p>
          {content.body && <p class="android-card__body">{content.body}</p>}
          <NotificationImage url={content.imageUrl} class="android-card__image" />
        </div>
      </figure>
      <figure class="device device--ios">
        <figcaption>iOS</figcaption>
        <div class="ios-card">
          <span class="app-icon" aria-hidden="true" />
          <div class="ios-card__text">
            <p class="ios-card__meta">
              <span>YOUR APP</span>
              <span>now</span>
            </p>
            <p class="ios-card__title">{title}</p>
            {content.body && <p class="ios-card__body">{content.body}</p>}
          </div>
          <NotificationImage url={content.imageUrl} class="ios-card__image" />
        </div>
      </figure>
      <figure class="device device--web">
        <figcaption>Web (Chrome)</figcaption>
        <div class="web-card">
          <NotificationImage url={content.imageUrl} class="web-card__image" />
          <div class="web-card__text">
            <p class="web-card__title">{title}</p>
            <p class="web-card__host">{hostOf(content.link)}</p>
            {content.body && <p class="web-card__body">{content.body}</p>}
          </div>
        </div>
      </figure>
    </section>
  );
}
