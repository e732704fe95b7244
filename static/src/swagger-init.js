// Starts Swagger UI on the API docs page; kept out of the HTML so the CSP forbids inline scripts.
window.addEventListener('load', function () {
  var element = document.getElementById('swagger-ui')
  window.ui = window.SwaggerUIBundle({
    url: element.getAttribute('data-spec-url'),
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true
  })
})
