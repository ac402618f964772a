import { initAll } from './govuk-frontend.min.js'

initAll()

// A page whose part says data-refresh-every (seconds) fetches itself again and replaces that
// part, until the fresh part no longer asks to be refreshed (a ZIP being built, say).
const refreshing = document.querySelector('[data-refresh-every][id]')
if (refreshing) {
  const every = 1000 * Number(refreshing.dataset.refreshEvery)
  const refresh = async () => {
    const response = await fetch(window.location.href, { headers: { Accept: 'text/html' } })
    if (!response.ok) return
    const page = new DOMParser().parseFromString(await response.text(), 'text/html')
    const fresh = page.getElementById(refreshing.id)
    if (!fresh) return
    refreshing.innerHTML = fresh.innerHTML
    if (fresh.hasAttribute('data-refresh-every')) setTimeout(refresh, every)
  }
  setTimeout(refresh, every)
}
