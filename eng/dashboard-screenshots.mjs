// Screenshots of the dashboard as the network's control room, for docs/images (README, docs/aspire.md).
//
//   npm install --prefix /tmp/shots playwright-core@1.64.1
//   dotnet build AspireP2P.AppHost
//   NODE_PATH=/tmp/shots/node_modules node eng/dashboard-screenshots.mjs
//
// Starts its own network with `aspire start --isolated` (8 nodes, --target-peers 3, one spare), drives Debian's
// Chromium headless through playwright-core (the dashboard is a Blazor app: a plain `chromium --screenshot` comes
// out blank), and stops the network at the end.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// require() honours NODE_PATH (an ES import does not), so playwright-core can live outside the repository.
const { chromium } = createRequire(import.meta.url)('playwright-core');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const images = path.join(root, 'docs', 'images');
const aspire = process.env.ASPIRE_CLI ?? path.join(root, '.ci', 'tools', 'aspire', 'aspire');
const env = { ...process.env, ASPIRE_CLI_TELEMETRY_OPTOUT: 'true' };
const cli = (...args) =>
  execFileSync(aspire, [...args, '--apphost', 'AspireP2P.AppHost', '--non-interactive', '--nologo'], { cwd: root, env, encoding: 'utf8' });
const json = (text) => JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
mkdirSync(images, { recursive: true });

const started = json(cli('start', '--isolated', '--no-build', '--format', 'Json', '--', '--nodes', '8', '--target-peers', '3', '--spares', '1'));
const login = started.dashboardUrl;
const dashboard = new URL(login).origin;
const browser = await chromium.launch({ executablePath: process.env.P2P_CHROMIUM ?? '/usr/bin/chromium' });
try {
  for (let i = 0; i < 8; i++) cli('wait', `node-${i}`, '--status', 'healthy', '--timeout', '300');
  cli('resource', 'node-3', 'post-burst', '--count', '40');

  const page = await browser.newPage({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(login);
  await page.waitForURL(`${dashboard}/**`);
  const dismissBanner = async () => {
    for (const button of await page.getByRole('button', { name: 'Dismiss notification' }).all()) await button.click().catch(() => {});
  };
  const shot = async (name) => {
    await dismissBanner();
    await sleep(1500);
    await page.screenshot({ path: path.join(images, name) });
    console.log(`docs/images/${name}`);
  };

  // The live mesh in the Graph: the links the nodes report, not the declared chain.
  await page.goto(`${dashboard}/?view=Graph`);
  await page.locator('.resource-group').first().waitFor();
  await sleep(6000); // let the force layout settle
  await page.locator('.graph-zoom-out').click();
  await sleep(2000);
  await shot('aspire-graph.png');

  // The Resources table: nodes, the spare (Not started), the network row.
  await page.goto(`${dashboard}/`);
  await page.getByText('spare-0').first().waitFor();
  await shot('aspire-resources.png');

  // A node's row: its live state in the details pane, and the fault commands in its menu.
  const details = async (name, property = 'Behind (records)') => {
    await page.goto(`${dashboard}/`);
    await page.getByText(name, { exact: true }).first().click();
    await page.getByText(property).first().waitFor();
  };
  await details('node-2');
  await shot('aspire-node-state.png');

  await page.goto(`${dashboard}/`);
  const row = page.locator('[role=row]').filter({ hasText: 'node-2 API' }).first();
  await row.locator('[aria-haspopup="menu"]').first().click();
  await page.getByRole('menuitem', { name: 'Commands', exact: true }).click();
  await page.getByRole('menuitem', { name: 'Partition', exact: true }).waitFor();
  await shot('aspire-fault-commands.png');
  await page.getByRole('menuitem', { name: 'Partition', exact: true }).click();
  await page.getByText('How long the partition lasts').first().waitFor();
  await shot('aspire-partition-dialog.png');
  await page.keyboard.press('Escape');

  // Diverging: node-5 crashed (SIGKILL) while records were posted; node-6, which dialed it, says why it is degraded.
  cli('resource', 'node-5', 'crash');
  cli('resource', 'node-0', 'post-burst', '--count', '25');
  await details('network', 'Laggards');
  await page.getByText('node-5: finished').first().waitFor({ timeout: 30000 });
  await shot('aspire-network-diverging.png');
  await details('node-6');
  const reason = page.getByText('bootstrap peer').first();
  await reason.waitFor({ timeout: 30000 });
  // Details below the table, full width: room for the health report's whole description.
  await page.getByTitle('Split horizontal').click();
  await page.getByText('Health checks').first().scrollIntoViewIfNeeded();
  await shot('aspire-node-degraded.png');
  await page.getByTitle('Split vertical').click();

  // Start brings it back; the network converges.
  cli('resource', 'node-5', 'start');
  cli('wait', 'node-5', '--status', 'healthy', '--timeout', '300');
  await details('network', 'Laggards');
  await page.getByText('none', { exact: true }).first().waitFor({ timeout: 60000 });
  await shot('aspire-network-converged.png');
} finally {
  await browser.close();
  cli('stop');
}
