import { initAll } from './govuk-frontend.min.js'

initAll()

// A page whose part says data-refresh-every (seconds) fetches itself again and replaces that
// part when it changed, until the fresh part no longer asks to be refreshed (a ZIP being built,
// say) or for at most an hour (the "Check progress" link carries on from there).
const refreshing = document.querySelector('[data-refresh-every][id]')
if (refreshing) {
  const every = 1000 * Number(refreshing.dataset.refreshEvery)
  let left = Math.ceil(3600000 / every)
  const refresh = async () => {
    const response = await fetch(window.location.href, { headers: { Accept: 'text/html' } })
    if (!response.ok) return
    const page = new DOMParser().parseFromString(await response.text(), 'text/html')
    const fresh = page.getElementById(refreshing.id)
    if (!fresh) return
    if (fresh.innerHTML !== refreshing.innerHTML) refreshing.innerHTML = fresh.innerHTML
    left -= 1
    if (fresh.hasAttribute('data-refresh-every') && left > 0) setTimeout(refresh, every)
  }
  setTimeout(refresh, every)
}
