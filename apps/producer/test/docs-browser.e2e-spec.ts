import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { CHROMIUM, DEBIAN_CHROMIUM, describeWithTools } from '@app/testing';
import { TestSystem } from './support/system';

// #14 point 8: with `upgrade-insecure-requests` in its Content-Security-Policy, a browser that
// opened http://<host>:3000/docs fetched the UI's files over https from the plain-HTTP port and
// showed a blank page.

/** A host name that is not localhost (browsers treat localhost as secure), resolved to loopback. */
const DOCS_HOST = 'docs.test';

describe('API docs pages over plain HTTP', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({}, { consumer: false });
  });

  afterAll(async () => {
    await system?.close();
  });

  /** Every docs route: the UI, each file its page loads, the OpenAPI and AsyncAPI documents. */
  async function docsRoutes(): Promise<string[]> {
    const page = `${system.producerUrl}/docs`;
    const html = await (await fetch(page)).text();
    const assets = [...html.matchAll(/(?:src|href)=["']([^"']+)["']/g)]
      .map(([, url]) => new URL(url, page))
      .filter((url) => url.origin === system.producerUrl)
      .map((url) => url.pathname);
    return ['/docs', '/docs/', ...new Set(assets), '/docs-json', '/asyncapi.json'];
  }

  it('never asks the browser to upgrade to https: no upgrade-insecure-requests on any docs route', async () => {
    const routes = await docsRoutes();
    // The UI's stylesheet and scripts, at least.
    expect(routes).toEqual(
      expect.arrayContaining([
        '/docs/swagger-ui.css',
        '/docs/swagger-ui-bundle.js',
        '/docs/swagger-ui-init.js',
      ]),
    );

    const policies: [string, string][] = [];
    for (const route of routes) {
      const response = await fetch(`${system.producerUrl}${route}`);
      // Read to the end: a body left unread keeps its socket busy.
      await response.arrayBuffer();
      expect({ route, status: response.status }).toEqual({ route, status: 200 });
      policies.push([route, response.headers.get('content-security-policy') ?? '(none)']);
    }

    // Every route has the policy, and none asks for the upgrade.
    const wrong = policies.filter(
      ([, policy]) =>
        !policy.includes("default-src 'self'") || policy.includes('upgrade-insecure-requests'),
    );
    expect(wrong).toEqual([]);
  });

  describeWithTools(
    [CHROMIUM],
    'in Debian Chromium, opened from a host other than localhost',
    () => {
      let userDataDir: string;
      let context: BrowserContext | undefined;

      beforeAll(async () => {
        userDataDir = await mkdtemp(join(tmpdir(), 'docs-browser-'));
        context = await chromium.launchPersistentContext(userDataDir, {
          executablePath: DEBIAN_CHROMIUM,
          headless: true,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            // Loopback only: the one name the test uses resolves to 127.0.0.1, nothing else resolves.
            `--host-resolver-rules=MAP ${DOCS_HOST} 127.0.0.1, MAP * ~NOTFOUND`,
          ],
        });
        // And nothing but the producer is fetched, whatever the page asks for.
        await context.route('**/*', (route) =>
          new URL(route.request().url()).hostname === DOCS_HOST ? route.continue() : route.abort(),
        );
      }, 60_000);

      afterAll(async () => {
        await context?.close();
        await rm(userDataDir, { recursive: true, force: true });
      });

      it('renders Swagger UI with the operations listed', async () => {
        const port = new URL(system.producerUrl).port;
        const page = await context!.newPage();
        const failed: string[] = [];
        page.on('requestfailed', (request) => failed.push(request.url()));

        const response = await page.goto(`http://${DOCS_HOST}:${port}/docs`);

        expect(response?.status()).toBe(200);
        // Polls (Playwright's own deadline) until Swagger UI has fetched /docs-json and drawn it.
        await page.getByText('Place an order').first().waitFor({ timeout: 15_000 });
        for (const summary of ['Price a basket', 'Cancel an order', "Follow an order's outcome"]) {
          expect(await page.getByText(summary).count()).toBeGreaterThan(0);
        }
        expect(failed).toEqual([]);
        await page.close();
      }, 60_000);
    },
  );
});
