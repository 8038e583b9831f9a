import { useLocation } from "preact-iso";
import { BuildList } from "./BuildList";
import { BuildPage } from "./BuildPage";
import { TemplateList } from "./TemplateList";

/** /templates: the templates and the builds; /templates/builds/{id}: one build with its log. */
export function Templates() {
  const { path } = useLocation();
  const build = /^\/templates\/builds\/([^/]+)\/?$/.exec(path);
  if (build) return <BuildPage id={decodeURIComponent(build[1]!)} />;
  return (
    <>
      <TemplateList />
      <BuildList />
    </>
  );
}
