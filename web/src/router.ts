import { createRouter, createWebHistory } from 'vue-router'

// Each audience's pages are lazily loaded chunks: the citizen's phone never downloads the staff pages
// (Element Plus), and the staff pages never wait for Vant. Every path here is also served by the API
// process (services/app.py, PAGE_PATHS), so a reload or a shared link opens the right page.
export const router = createRouter({
  history: createWebHistory(),
  routes: [
    {
      path: '/',
      component: () => import('./citizen/CitizenShell.vue'),
      children: [
        { path: '', name: 'report', component: () => import('./citizen/ReportPage.vue'), meta: { title: '我要投诉' } },
        { path: 'track', name: 'track', component: () => import('./citizen/TrackPage.vue'), meta: { title: '查询进度' } },
        // 主动公开: the district's monthly figures and handled cases, with nothing that points to a person
        { path: 'public', name: 'public', component: () => import('./public/PublicPage.vue'), meta: { title: '办理公开' } },
        // 常见问题: the knowledge base's public articles, searched as the citizen types (no sign-in)
        { path: 'help', name: 'help', component: () => import('./public/HelpPage.vue'), meta: { title: '常见问题' } },
        // 边督边改: the published batches of inspection cases (督察交办件), scrubbed of personal data (no sign-in)
        {
          path: 'public/inspections',
          name: 'public-inspections',
          component: () => import('./public/PublicInspectionsPage.vue'),
          meta: { title: '督察交办件边督边改' },
        },
        {
          path: 'r/:token',
          name: 'private-link',
          component: () => import('./citizen/PrivateLinkPage.vue'),
          props: true,
          meta: { title: '我的投诉' },
        },
      ],
    },
    {
      path: '/hotline',
      component: () => import('./staff/StaffLayout.vue'),
      children: [
        {
          path: '',
          name: 'hotline',
          component: () => import('./staff/HotlinePage.vue'),
          meta: { title: '热线受理', roles: ['operator', 'supervisor'] },
        },
      ],
    },
    {
      // The dispatcher's desk (承办工作台): the department's queue, the case, its actions; supervisors also
      // triage and extension requests.
      path: '/desk',
      component: () => import('./staff/StaffLayout.vue'),
      children: [
        {
          path: '',
          name: 'desk',
          component: () => import('./staff/desk/DeskPage.vue'),
          meta: { title: '承办工作台', roles: ['dispatcher', 'supervisor'] },
        },
      ],
    },
    {
      // The supervisors' dashboard (综合监管看板): the three targets, trends, by department and town, deadlines;
      // `?wall=1` is the command-centre wall (大屏). ECharts is its own chunk, loaded when a chart is drawn.
      path: '/dashboard',
      component: () => import('./staff/StaffLayout.vue'),
      children: [
        {
          path: '',
          name: 'dashboard',
          component: () => import('./staff/dashboard/DashboardPage.vue'),
          meta: { title: '综合监管看板', roles: ['supervisor'] },
        },
      ],
    },
    {
      // The callback desk (回访工作台): satisfaction callbacks due, earliest first; operators call, supervisors too.
      path: '/callbacks',
      component: () => import('./staff/StaffLayout.vue'),
      children: [
        {
          path: '',
          name: 'callbacks',
          component: () => import('./staff/callbacks/CallbacksPage.vue'),
          meta: { title: '回访工作台', roles: ['operator', 'supervisor'] },
        },
      ],
    },
    {
      // The rule book (分拨规则): supervisors read it and try changes on past cases; administrators change it.
      path: '/rules',
      component: () => import('./staff/StaffLayout.vue'),
      children: [
        {
          path: '',
          name: 'rules',
          component: () => import('./staff/rules/RulesPage.vue'),
          meta: { title: '分拨规则', roles: ['supervisor', 'admin'] },
        },
      ],
    },
    {
      // 知识库: staff read and search it; the owning department, supervisors and administrators edit it.
      path: '/knowledge',
      component: () => import('./staff/StaffLayout.vue'),
      children: [
        {
          path: '',
          name: 'knowledge',
          component: () => import('./staff/knowledge/KnowledgePage.vue'),
          meta: { title: '知识库', roles: ['operator', 'dispatcher', 'supervisor', 'admin'] },
        },
      ],
    },
    {
      // 被举报企业: the register of reported firms and each firm's history (docs/firms.md).
      path: '/firms',
      component: () => import('./staff/StaffLayout.vue'),
      children: [
        {
          path: '',
          name: 'firms',
          component: () => import('./staff/firms/FirmsPage.vue'),
          meta: { title: '被举报企业', roles: ['dispatcher', 'supervisor', 'admin'] },
        },
      ],
    },
    {
      // 举报奖励: rewards for the first real-name reporters, approval, payment and lapse (docs/rewards.md).
      path: '/rewards',
      component: () => import('./staff/StaffLayout.vue'),
      children: [
        {
          path: '',
          name: 'rewards',
          component: () => import('./staff/rewards/RewardsPage.vue'),
          meta: { title: '举报奖励', roles: ['supervisor', 'admin'] },
        },
      ],
    },
    {
      // 督察交办: inspection cases by batch, their progress and the publishing of a batch (docs/inspections.md).
      path: '/inspections',
      component: () => import('./staff/StaffLayout.vue'),
      children: [
        {
          path: '',
          name: 'inspections',
          component: () => import('./staff/inspections/InspectionsPage.vue'),
          meta: { title: '督察交办', roles: ['supervisor', 'admin'] },
        },
      ],
    },
    {
      // Grid workers (网格员) on patrol: a phone page of its own (Vant), signed in.
      path: '/patrol',
      name: 'patrol',
      component: () => import('./grid/PatrolPage.vue'),
      meta: { title: '网格巡查上报' },
    },
    {
      path: '/:pathMatch(.*)*',
      component: () => import('./citizen/CitizenShell.vue'),
      children: [
        { path: '', name: 'not-found', component: () => import('./citizen/NotFoundPage.vue'), meta: { title: '页面不存在' } },
      ],
    },
  ],
  scrollBehavior: () => ({ top: 0 }),
})

router.afterEach((to) => {
  const title = typeof to.meta.title === 'string' ? to.meta.title : ''
  document.title = title ? `${title} · 合川区生态环境投诉` : '合川区生态环境投诉'
})
