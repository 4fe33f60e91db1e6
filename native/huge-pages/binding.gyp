{
  "targets": [
    {
      "target_name": "huge_pages",
      "sources": ["huge-pages.c"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
