import { LocationProvider, Route, Router, lazy } from "preact-iso";
import { session } from "../session/session";
import { SignIn } from "../session/SignIn";
import { Layout } from "./Layout";
import { CapsuleList } from "../capsules/CapsuleList";

// The capsule page carries xterm.js and the charts: loaded when first opened, so that the first
// page stays small.
const CapsulePage = lazy(() => import("../capsules/CapsulePage").then((m) => m.CapsulePage));
const Templates = lazy(() => import("../templates/Templates").then((m) => m.Templates));
const Keys = lazy(() => import("../keys/Keys").then((m) => m.Keys));
const TeamPage = lazy(() => import("../team/TeamPage").then((m) => m.TeamPage));
const AuditLog = lazy(() => import("../audit/AuditLog").then((m) => m.AuditLog));
const Hosts = lazy(() => import("../hosts/Hosts").then((m) => m.Hosts));

function NotFound() {
  return <p>There is no page here. <a href="/capsules">Go to capsules</a>.</p>;
}

export function App() {
  if (!session.signal.value) return <SignIn />;
  return (
    <LocationProvider>
      <Layout>
        <Router>
          <Route path="/" component={CapsuleList} />
          <Route path="/capsules" component={CapsuleList} />
          <Route path="/capsules/:id" component={CapsulePage} />
          <Route path="/templates/:rest*" component={Templates} />
          <Route path="/keys" component={Keys} />
          <Route path="/team" component={TeamPage} />
          <Route path="/audit" component={AuditLog} />
          <Route path="/hosts" component={Hosts} />
          <Route default component={NotFound} />
        </Router>
      </Layout>
    </LocationProvider>
  );
}
