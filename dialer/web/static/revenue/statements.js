// the statements page's print button (no inline handlers: the CSP allows no inline script)
document.getElementById("print").addEventListener("click", () => window.print());
