/**
 * Routes of the dashboard. Hash history: the built app uses relative asset paths and the server
 * serves one `index.html`, so deep links work wherever the node mounts the UI.
 */
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import AlertsPage from './pages/alerts/AlertsPage.vue';
import AuditPage from './pages/audit/AuditPage.vue';
import FailuresPage from './pages/failures/FailuresPage.vue';
import JobPage from './pages/job/JobPage.vue';
import JobsPage from './pages/jobs/JobsPage.vue';
import LoginPage from './pages/login/LoginPage.vue';
import NodesPage from './pages/nodes/NodesPage.vue';
import QueuePage from './pages/queue/QueuePage.vue';
import RunPage from './pages/run/RunPage.vue';

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/jobs' },
  { path: '/login', name: 'login', component: LoginPage, meta: { title: 'Log in', public: true } },
  { path: '/jobs', name: 'jobs', component: JobsPage, meta: { title: 'Jobs' } },
  // Job ids contain a slash (`<package>/<name>`, packages may be `@scope/pkg`).
  { path: '/jobs/:id(.+)', name: 'job', component: JobPage, props: true, meta: { title: 'Job' } },
  { path: '/runs/:runId', name: 'run', component: RunPage, props: true, meta: { title: 'Run' } },
  { path: '/queue', name: 'queue', component: QueuePage, meta: { title: 'Queue' } },
  { path: '/nodes', name: 'nodes', component: NodesPage, meta: { title: 'Nodes' } },
  { path: '/audit', name: 'audit', component: AuditPage, meta: { title: 'Audit' } },
  { path: '/failures', name: 'failures', component: FailuresPage, meta: { title: 'Failures' } },
  { path: '/alerts', name: 'alerts', component: AlertsPage, meta: { title: 'Alerts' } },
  { path: '/:rest(.*)', redirect: '/jobs' },
];

export const router = createRouter({ history: createWebHashHistory(), routes });

router.afterEach((to) => {
  const title = typeof to.meta.title === 'string' ? to.meta.title : '';
  document.title = title ? `${title} · timecloud` : 'timecloud';
});
