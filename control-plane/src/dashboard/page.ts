/** The HTML shell. It holds no data: the script signs in and reads everything from the API. */
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Titan Edge</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/styles.css">
<script src="/dashboard/app.js" defer></script>
</head>
<body>
<section id="login" hidden>
  <h1>Titan Edge</h1>
  <form id="login-form">
    <label for="token-input">Client token</label>
    <input id="token-input" type="password" autocomplete="current-password" placeholder="tc_…" required>
    <button type="submit">Sign in</button>
  </form>
  <p id="login-error" role="alert" hidden></p>
  <p class="muted">The token is in <code>.titan/cluster.json</code> (<code>clientToken</code>). It stays in this browser's local storage.</p>
</section>
<div id="app" hidden>
  <header>
    <h1>Titan Edge</h1>
    <nav>
      <a href="#/" data-section="">Cluster</a>
      <a href="#/dags" data-section="dags">DAGs</a>
      <a href="#/jobs" data-section="jobs">Jobs</a>
      <a href="#/services" data-section="services">Services</a>
      <a href="#/store" data-section="store">Store</a>
      <a href="#/approvals" data-section="approvals">Approvals</a>
    </nav>
    <span id="conn" class="conn"></span>
    <button id="logout-btn" type="button">Sign out</button>
  </header>
  <main><p id="view-error" role="alert" hidden></p><div id="view"></div></main>
</div>
<noscript>The dashboard needs JavaScript.</noscript>
</body>
</html>
`;
