package dev.berth;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layer rules of DESIGN.md ("Imports only go down"), checked on the compiled main classes:
 * {@code http → api → domain → store | sandbox → model → config · error · json · metrics}, with the
 * wiring ({@code dev.berth} itself and {@code cli}) on top.
 */
class ArchitectureTest {
  private static final String WIRING = "Wiring";
  private static final String HTTP = "Http";
  private static final String API = "Api";
  private static final String DOMAIN = "Domain";
  private static final String STORE = "Store";
  private static final String SANDBOX = "Sandbox";
  private static final String MODEL = "Model";
  private static final String BASE = "Base";

  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("dev.berth");
  }

  @Test
  void eachLayerIsUsedOnlyByTheLayersAboveIt() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer(WIRING)
        .definedBy("dev.berth", "dev.berth.cli..")
        .layer(HTTP)
        .definedBy("dev.berth.http..")
        .layer(API)
        .definedBy("dev.berth.api..")
        .layer(DOMAIN)
        .definedBy("dev.berth.domain..")
        .layer(STORE)
        .definedBy("dev.berth.store..")
        .layer(SANDBOX)
        .definedBy("dev.berth.sandbox..")
        .layer(MODEL)
        .definedBy("dev.berth.model..")
        .layer(BASE)
        .definedBy(
            "dev.berth.config..", "dev.berth.error..", "dev.berth.json..", "dev.berth.metrics..")
        .whereLayer(WIRING)
        .mayNotBeAccessedByAnyLayer()
        .whereLayer(HTTP)
        .mayOnlyBeAccessedByLayers(WIRING)
        .whereLayer(API)
        .mayOnlyBeAccessedByLayers(HTTP)
        .whereLayer(DOMAIN)
        .mayOnlyBeAccessedByLayers(WIRING, HTTP, API)
        .whereLayer(STORE)
        .mayOnlyBeAccessedByLayers(WIRING, DOMAIN)
        .whereLayer(SANDBOX)
        .mayOnlyBeAccessedByLayers(WIRING, DOMAIN)
        .whereLayer(MODEL)
        .mayOnlyBeAccessedByLayers(WIRING, HTTP, API, DOMAIN, STORE, SANDBOX)
        .check(classes);
  }

  @Test
  void theBottomPackagesUseNothingAboveThem() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.berth.config..", "dev.berth.error..", "dev.berth.json..", "dev.berth.metrics..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.berth",
            "dev.berth.cli..",
            "dev.berth.http..",
            "dev.berth.api..",
            "dev.berth.domain..",
            "dev.berth.store..",
            "dev.berth.sandbox..",
            "dev.berth.model..")
        .check(classes);
  }

  @Test
  void onlyTheStoreLayerUsesJdbc() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.berth.store..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("java.sql..", "javax.sql..")
        .check(classes);
  }

  @Test
  void noPackagesDependOnEachOtherInACycle() {
    slices().matching("dev.berth.(*)..").should().beFreeOfCycles().check(classes);
  }
}
