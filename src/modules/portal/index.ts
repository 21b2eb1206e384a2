/**
 * The government website group (政府网站集约化平台): sites keyed by the 网站标识码 with their
 * columns and articles published with review on the workflow engine, server-rendered public
 * pages with a render cache purged on publish, the disclosure catalogue and annual report,
 * disclosure on request with its statutory clock, interaction, Chinese search, site health.
 * This file is the module's only public surface.
 */
import type { FastifyInstance } from 'fastify';
import type { Ctx } from '../../platform/context.ts';
import { hasScope } from '../../platform/context.ts';
import type { BackgroundTask, ModuleDefinition, PendingItem, PlatformServices } from '../../platform/module.ts';
import { queryOne, sql } from '../../platform/db/index.ts';
import { ARTICLE_ATTACHMENT_OWNER, PORTAL_DEMO_STAFF, PORTAL_ROLES, SCOPES, SCOPE_DESCRIPTIONS } from './model.ts';
import { PORTAL_WORKFLOWS } from './workflows.ts';
import { registerPortalApi } from './routes.ts';
import { registerPublicPages } from './pages/public.ts';
import { registerCitizenPages } from './pages/citizen.ts';
import { registerWorkbenchPages } from './pages/workbench.ts';
import { publishDueArticles } from './services/articles.ts';
import { canOnSite, getSite } from './services/sites.ts';
import { seedPortalDemo } from './services/demo.ts';
import { listRequestsForStaff } from './services/requests.ts';
import { listMessagesForStaff } from './services/interaction.ts';
import { healthDueHandler, siteHealthTask } from './services/health-task.ts';

// --- public service API ------------------------------------------------------------------------
export {
  SCOPES as PORTAL_SCOPES,
  EVENTS as PORTAL_EVENTS,
  checkSiteCode,
  OUTCOME_LABELS,
  OUTCOME_REASONS,
  REQUEST_DAYS,
  CHANNEL_REPLY_DAYS,
  type SiteCodeCheck,
  type Outcome,
  type ApplicantType,
  type Channel,
} from './model.ts';
export { createSite, updateSite, createColumn, getSite, listSites, listColumns, type SiteView, type ColumnView } from './services/sites.ts';
export {
  createArticle, updateArticle, reviseArticle, submitArticle, returnArticle, approveArticle, publishDueArticles, withdrawArticle, setValidity, syndicateArticle,
  listLibrary, importFromLibrary, getArticleForStaff, getLiveArticle, type ArticleView,
} from './services/articles.ts';
export { searchArticles, type SearchResult, type SearchHit } from './services/search.ts';
export { indexTokens, queryTerms } from './services/tokens.ts';
export {
  applyForInformation, getRequest, listMyRequests, listRequestsForStaff, requestCorrection, submitRequestCorrection, startConsultation, endConsultation, extendRequest,
  replyToRequest, withdrawRequest, replyDeadline, processingFee, type RequestView,
} from './services/requests.ts';
export { annualReport, annualReportXlsx, setReportInputs, setReportTexts, reportParagraphs, type AnnualReport, type ReportTexts } from './services/report.ts';
export {
  writeMessage, replyToMessage, listPublishedQa, messageStats, createSolicitation, commentOnSolicitation, moderateComment, publishFeedback, getSolicitation,
  createSurvey, answerSurvey, getSurvey,
} from './services/interaction.ts';
export {
  computeSiteHealth, recheckDueSites, recheckSite, storedSiteHealth, storedGroupHealth, listHealthChanges, HEALTH_RECHECK_MINUTES, type SiteHealth, type StoredSiteHealth, type HealthChange,
} from './services/health.ts';
export { annualReportPdf } from './services/report-pdf.ts';
export { renderCache } from './pages/cache.ts';
export { PORTAL_WORKFLOWS } from './workflows.ts';

async function registerRoutes(app: FastifyInstance, services: PlatformServices): Promise<void> {
  await registerPortalApi(app, services);
  registerPublicPages(app);
  registerCitizenPages(app);
  registerWorkbenchPages(app);
}

async function pendingItems(ctx: Ctx): Promise<PendingItem[]> {
  if (ctx.actor.kind !== 'staff') return [];
  const out: PendingItem[] = [];
  if (hasScope(ctx.actor, SCOPES.disclosureHandle)) {
    const open = (await listRequestsForStaff(ctx)).filter((r) => r.status === 'handling' || r.status === 'consulting').length;
    if (open) out.push({ title: '待办理的政府信息公开申请', href: '/workbench/portal/requests', count: open });
  }
  if (hasScope(ctx.actor, SCOPES.healthRead)) {
    const vetoed = await queryOne<{ n: string | number }>(ctx.db, sql`SELECT count(*) AS n FROM portal.site_health h JOIN portal.sites s ON s.code = h.site_code WHERE h.vetoed AND s.status = 'active'`);
    if (Number(vetoed?.n)) out.push({ title: '触发单项否决的网站', href: '/workbench/portal/health', count: Number(vetoed?.n) });
  }
  if (hasScope(ctx.actor, SCOPES.messageReply)) {
    const open = (await listMessagesForStaff(ctx, { open: true })).length;
    if (open) out.push({ title: '待答复的网站留言', href: '/workbench/portal/messages', count: open });
  }
  return out;
}

/** Scheduled publishing: every 5 seconds, due articles go live (claimed with SKIP LOCKED). */
const scheduledPublishing: BackgroundTask = {
  name: 'scheduled-publishing',
  role: 'worker',
  async start({ systemCtx, services }) {
    let stopped = false;
    let running: Promise<void> = Promise.resolve();
    const tick = async () => {
      try {
        const n = await publishDueArticles(systemCtx());
        if (n > 0) services.nudgeDispatcher();
      } catch (err) {
        services.log.error({ err }, 'portal scheduled publishing failed');
      }
    };
    const timer = setInterval(() => {
      if (!stopped) running = running.then(tick);
    }, 5000);
    return {
      async stop() {
        stopped = true;
        clearInterval(timer);
        await running;
      },
    };
  },
};

export const portalModule: ModuleDefinition = {
  name: 'portal',
  scopes: Object.values(SCOPES).map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] })),
  navigation: [
    { label: '网站群', href: '/workbench/portal', scope: 'staff', group: '政府网站' },
    { label: '统一信息资源库', href: '/workbench/portal/library', scope: SCOPES.articleEdit, group: '政府网站' },
    { label: '依申请公开', href: '/workbench/portal/requests', scope: SCOPES.disclosureHandle, group: '政府网站' },
    { label: '网站留言', href: '/workbench/portal/messages', scope: SCOPES.messageReply, group: '政府网站' },
    { label: '政务公开年报', href: '/workbench/portal/report', scope: SCOPES.reportManage, group: '政府网站' },
    { label: '网站健康检查', href: '/workbench/portal/health', scope: SCOPES.healthRead, group: '政府网站' },
  ],
  publicLinks: [{ label: '政府网站群', href: '/sites', description: '省政府门户网站和各市政府门户网站: 信息发布、政务公开、依申请公开、互动交流、站群搜索。' }],
  roles: PORTAL_ROLES,
  demoStaff: PORTAL_DEMO_STAFF,
  workflows: PORTAL_WORKFLOWS,
  background: [scheduledPublishing, siteHealthTask],
  eventHandlers: [healthDueHandler],
  attachmentPolicies: {
    [ARTICLE_ATTACHMENT_OWNER]: {
      // Attachments of a live article are public; drafts only for the site's editors and reviewers.
      async canRead(ctx, ownerId) {
        const a = await queryOne<{ site_code: string; live: boolean }>(ctx.db, sql`SELECT site_code, (live_version IS NOT NULL) AS live FROM portal.articles WHERE id = ${ownerId}`);
        if (!a) return false;
        if (a.live) return true;
        const site = await getSite(ctx, a.site_code);
        return Boolean(site && (canOnSite(ctx, site, SCOPES.articleEdit) || canOnSite(ctx, site, SCOPES.articleReview)));
      },
      async canAttach(ctx, ownerId) {
        const a = await queryOne<{ site_code: string; status: string }>(ctx.db, sql`SELECT site_code, status FROM portal.articles WHERE id = ${ownerId}`);
        if (!a || a.status !== 'draft') return false;
        const site = await getSite(ctx, a.site_code);
        return Boolean(site && canOnSite(ctx, site, SCOPES.articleEdit));
      },
      allowedTypes: ['pdf', 'ofd', 'docx', 'xlsx', 'png', 'jpeg', 'gif', 'webp'],
    },
  },
  registerRoutes,
  pendingItems,
  seedDemo: (ctx) => seedPortalDemo(ctx),
};
