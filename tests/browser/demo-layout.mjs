// Layout probes for the demo page, each a function run inside the page with page.evaluate: what
// overflows the viewport, which <option> texts do not fit their <select>, how the canvases are sized,
// and the smallest font size in use. They return descriptions of what is wrong (empty when fine), so
// an assertion's message names the offending element.

/** The page's widths and every visible element that is wider than the viewport or sticks out of it. */
export function overflowProbe() {
  const viewport = window.innerWidth;
  const outside = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.width > viewport || r.right > viewport + 0.5 || r.left < -0.5) {
      const name = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.className && typeof el.className === "string" ? `.${el.className.split(" ")[0]}` : ""}`;
      outside.push(`${name} spans [${Math.round(r.left)}, ${Math.round(r.right)}] px`);
    }
  }
  return { viewport, scrollWidth: document.documentElement.scrollWidth, outside };
}

/**
 * Every <option> whose text is wider than the room its <select> gives it: the select's content box
 * less the dropdown arrow (Chromium draws it in about 20 px), text measured in the select's font.
 */
export function optionFitProbe() {
  const ARROW = 20;
  const ctx = document.createElement("canvas").getContext("2d");
  const cut = [];
  const checked = [];
  for (const select of document.querySelectorAll("select")) {
    const style = getComputedStyle(select);
    ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - ARROW;
    for (const option of select.options) {
      const need = ctx.measureText(option.text).width;
      checked.push(option.text);
      if (need > room) cut.push(`#${select.id}: "${option.text}" needs ${need.toFixed(0)} px, the select leaves ${room.toFixed(0)} px`);
    }
  }
  return { cut, checked };
}

/** Each visible canvas: its CSS width against its container's content width, and its backing store. */
export function canvasProbe() {
  const dpr = window.devicePixelRatio || 1;
  return [...document.querySelectorAll("canvas")]
    .filter((c) => c.getClientRects().length > 0)
    .map((c) => {
      const parent = getComputedStyle(c.parentElement);
      const content = c.parentElement.clientWidth - parseFloat(parent.paddingLeft) - parseFloat(parent.paddingRight);
      return { id: c.id, cssWidth: c.getBoundingClientRect().width, containerWidth: content, backingWidth: c.width, cssHeight: c.getBoundingClientRect().height, backingHeight: c.height, dpr };
    });
}

/** The smallest computed font size among visible elements that hold text of their own. */
export function smallestTextProbe() {
  let smallest = { size: Infinity, element: null };
  for (const el of document.querySelectorAll("body *")) {
    if (el.getClientRects().length === 0) continue;
    const ownText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!ownText) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < smallest.size) smallest = { size, element: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}` };
  }
  return smallest;
}
