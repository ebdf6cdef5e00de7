// The lists page: an administrator rolls a list back (one transaction on the server).
import { api, t } from "./common.js";

document.querySelectorAll(".zj-rollback").forEach((b) => {
  b.addEventListener("click", async () => {
    if (!window.confirm(t("bat.confirm_rollback", { id: b.dataset.id }))) return;
    b.disabled = true;
    try {
      await api(`/api/work/batches/${b.dataset.id}/rollback`, { method: "POST", json: {} });
      location.reload();
    } catch (e) {
      b.disabled = false;
      window.alert(e.message);
    }
  });
});
