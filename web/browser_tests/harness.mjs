// What the browser tests share: headless Debian Chromium through playwright-core, and check(),
// which opens a fresh page, runs one scenario and fails it on any console error or warning, page
// error, dialog (an injected alert()) or request other than the page itself.
//
//   const browser = await launchBrowser();
//   const {check, failures} = checker(browser, {outDir, viewport: {width: 1200, height: 800}});
//   await check('name', async (page, open) => { const url = await open(file); ...; return url; });
import assert from 'node:assert/strict';
import path from 'node:path';
import {pathToFileURL} from 'node:url';

import {chromium} from 'playwright-core';

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
  });
}

// `allowRequest(url)`: requests that are not failures besides the page itself. `afterOpen(page,
// name)`: more checks once a page is ready. A failed scenario leaves a screenshot in `outDir`.
export function checker(browser, {outDir, viewport, allowRequest = () => false, afterOpen}) {
  let failures = 0;
  async function check(name, fn) {
    const context = await browser.newContext({viewport});
    const page = await context.newPage();
    const problems = [];
    const requests = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('dialog', (dialog) => {
      problems.push('dialog: ' + dialog.message());
      dialog.dismiss();
    });
    page.on('request', (request) => requests.push(request.url()));
    const open = async (file) => {
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body.ready', {timeout: 30000});
      if (afterOpen) await afterOpen(page, name);
      return pathToFileURL(file).href;
    };
    try {
      const url = await fn(page, open);
      assert.deepEqual(problems, [], 'console errors or page errors');
      assert.deepEqual(requests.filter((r) => r !== url && !allowRequest(r)), [],
                       'requests other than the page');
      console.log('ok -', name);
    } catch (error) {
      failures += 1;
      console.log('not ok -', name, '\n', error.stack || error);
      await page.screenshot({path: path.join(outDir, name.replace(/\W+/g, '_') + '_failed.png')});
    }
    await context.close();
  }
  return {check, failures: () => failures};
}
