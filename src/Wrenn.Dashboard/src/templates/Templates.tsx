import { useLocation } from "preact-iso";
import { BuildList } from "./BuildList";
import { BuildPage } from "./BuildPage";
import { TemplateList } from "./TemplateList";

/** A path segment as typed; one that is not valid percent-encoding is taken as it is. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** /templates: the templates and the builds; /templates/builds/{id}: one build with its log. */
export function Templates() {
  const { path } = useLocation();
  const build = /^\/templates\/builds\/([^/]+)\/?$/.exec(path);
  if (build) return <BuildPage id={decoded(build[1]!)} />;
  return (
    <>
      <TemplateList />
      <BuildList />
    </>
  );
}
