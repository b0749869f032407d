// The words scripts show, from the page itself (data-page-strings, written by the server in the
// page's language: webapp/i18n/js.py), so there is no second catalog to keep. Placeholders are
// gettext's `%(name)s`; a plural comes as one template per plural category, picked with
// Intl.PluralRules in the page's language.
let page = null;

function all() {
  if (page === null) {
    try {
      page = JSON.parse(document.querySelector("[data-page-strings]")?.dataset.pageStrings || "{}");
    } catch {
      page = {};
    }
  }
  return page;
}

export function lang() {
  return document.documentElement.lang || "en";
}

export function format(template, values = {}) {
  return String(template ?? "").replace(/%\((\w+)\)[sd]/g, (whole, name) =>
    name in values ? String(values[name]) : whole,
  );
}

// The group's words: words.key (a string) and words.plural(key, n, values).
export function strings(group) {
  const words = all()[group] || {};
  return {
    ...words,
    say: (key, values) => format(words[key], values),
    plural(key, n, values = {}) {
      const forms = words[key] || {};
      let category = "other";
      try {
        category = new Intl.PluralRules(lang()).select(n);
      } catch {
        // an unknown language tag: "other" reads right for most counts
      }
      return format(forms[category] ?? forms.other, { num: new Intl.NumberFormat(lang()).format(n), ...values });
    },
  };
}
