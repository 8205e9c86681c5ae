/** The verifier page's entry point (placeholder while the page is built). */
import "../shared/base.css";
import { byId } from "../shared/dom";
import { mountLanguageSwitch } from "../shared/i18n";

mountLanguageSwitch(byId("lang-switch"));
