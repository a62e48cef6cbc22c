// The chat would scroll to the bottom of a long answer, past its verdict and best passage: instead,
// each new answer is scrolled so that its question and first lines are in view.
() => {
  const seen = new WeakSet();
  const scroller = (el) => {
    for (let n = el.parentElement; n; n = n.parentElement) {
      const y = getComputedStyle(n).overflowY;
      if ((y === "auto" || y === "scroll") && n.scrollHeight > n.clientHeight) return n;
    }
    return null;
  };
  new MutationObserver(() => {
    const answers = document.querySelectorAll("#answers .na-answer");
    const last = answers[answers.length - 1];
    if (!last || seen.has(last)) return;
    seen.add(last);
    const box = scroller(last);
    if (!box) return;
    const row = last.closest(".message-row");
    const asked = row && row.previousElementSibling ? row.previousElementSibling : last;
    const top = asked.getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop += top - 8;
  }).observe(document.body, { childList: true, subtree: true });
}
