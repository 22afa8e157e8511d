"""``etl studio``'s local web app: a JSON API (``app.py``; endpoints listed there), the console's
read side over the state dir (``console.py``), the editor's preview and runs (``preview.py``,
``runs.py``), its refusals (``security.py``) and the built front end (``static/``, sources in
``studio-ui/``)."""
