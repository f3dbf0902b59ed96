// The REST facade's page: Swagger UI over /openapi.json, all from this server (no CDN). With authentication
// on, the document itself needs the token: the page asks for it once and keeps it in memory only.
(function () {
  var login = document.getElementById('nm-login');
  var input = document.getElementById('nm-token');
  var error = document.getElementById('nm-login-error');

  function start(token) {
    login.hidden = true;
    window.ui = SwaggerUIBundle({
      url: '/openapi.json',
      dom_id: '#ui',
      deepLinking: true,
      tryItOutEnabled: true,
      displayRequestDuration: true,
      requestInterceptor: function (req) {
        if (token) req.headers.Authorization = 'Bearer ' + token;
        return req;
      },
      onComplete: function () {
        if (token) window.ui.preauthorizeApiKey('bearer', token);
      },
    });
  }

  function probe(token) {
    var headers = token ? { Authorization: 'Bearer ' + token } : {};
    return fetch('/openapi.json', { headers: headers }).then(function (r) { return r.status; });
  }

  login.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var token = input.value.trim();
    probe(token).then(function (status) {
      if (status === 200) start(token);
      else error.textContent = status === 401 || status === 403 ? ' The server refused this token.' : ' The server answered ' + status + '.';
    });
  });

  probe('').then(function (status) {
    if (status === 401) {
      login.hidden = false;
      input.focus();
    } else start('');
  });
})();
