// Boots the dashboard: router, login redirect on 401, and the live event feed once logged in.
import { createApp, watch } from 'vue';
import App from './App.vue';
import { authState, onUnauthorized } from './api/client.js';
import { connectFeed, disconnectFeed } from './composables/useEventFeed.js';
import { router } from './router.js';
import './styles/base.css';

onUnauthorized(() => {
  const current = router.currentRoute.value;
  if (current.name === 'login') return;
  void router.replace({ name: 'login', query: { redirect: current.fullPath } });
});

watch(
  authState,
  (state) => {
    if (state === 'in') connectFeed();
    if (state === 'out') disconnectFeed();
  },
  { immediate: true },
);

// The node's own redirect for logged-out browsers lands on the path /login: show the login page.
if (location.pathname === '/login' && !location.hash) history.replaceState(null, '', `${location.pathname}${location.search}#/login`);

createApp(App).use(router).mount('#app');
