// The invite link on /support: share it with the phone's share sheet, or copy it.
// Without JavaScript the link is still there to select and copy by hand.
import { strings } from "./offline-queue.js";

const words = strings("share");

export function init(root) {
  for (const box of root.querySelectorAll("[data-share]")) {
    const url = box.dataset.shareUrl;
    const status = box.querySelector("[data-share-status]");
    const say = (text) => {
      if (status) status.textContent = text;
    };
    const share = box.querySelector("[data-share-button]");
    if (share && navigator.share) {
      share.hidden = false;
      share.addEventListener("click", async () => {
        try {
          await navigator.share({ title: box.dataset.shareTitle, url });
        } catch (error) {
          if (error.name !== "AbortError") say(words.shareFailed);
        }
      });
    }
    const copy = box.querySelector("[data-copy-button]");
    if (copy) {
      copy.hidden = false;
      copy.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(url);
          say(words.copied);
        } catch {
          const field = box.querySelector("input");
          field.focus();
          field.select();
          say(words.selected);
        }
      });
    }
  }
}
